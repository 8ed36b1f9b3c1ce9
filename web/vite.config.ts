import { defineConfig } from 'vite';

// Served by the gateway at /app (gateway/src/plugins/web-app.ts); `npm run dev -w @huddle/web`
// proxies the API to a gateway on :8080 (`npm start`).
export default defineConfig({
  base: '/app/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: {
      '/v1': { target: 'http://localhost:8080', ws: true },
      '/dev': 'http://localhost:8080',
    },
  },
});
