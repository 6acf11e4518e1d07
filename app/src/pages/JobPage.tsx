/** Placeholder: being built. */
export default function JobPage({ id }: { id: string }) {
  return <h1>Job {id}</h1>;
}
