export function App() {
  return (
    <main>
      <h1>Omnihub</h1>
      <p>The agent workspace is loading.</p>
    </main>
  );
}
