/** Placeholder: being built. */
export default function DatasetsPage() {
  return <h1>DatasetsPage</h1>;
}
