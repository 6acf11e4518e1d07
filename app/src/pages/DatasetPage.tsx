/** Placeholder: being built. */
export default function DatasetPage({ id }: { id: string }) {
  return <h1>Dataset {id}</h1>;
}
