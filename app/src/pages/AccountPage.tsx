/** Placeholder: being built. */
export default function AccountPage({ address }: { address: string }) {
  return <h1>Account {address}</h1>;
}
