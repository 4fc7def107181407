import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));

/** The agent and supervisor web app, built into agent-ui/dist and served by the hub at /app/. */
export default defineConfig({
  root,
  base: '/app/',
  plugins: [react()],
  build: { outDir: path.join(root, 'dist'), emptyOutDir: true, sourcemap: true },
  server: {
    proxy: { '/api': 'http://localhost:3000', '/socket.io': { target: 'http://localhost:3000', ws: true } },
  },
});
