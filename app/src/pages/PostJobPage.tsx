/** Placeholder: being built. */
export default function PostJobPage() {
  return <h1>PostJobPage</h1>;
}
