import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The silo serves dist/ at "/" and the API under /v1; `npm run dev` proxies /v1 to a local silo.
export default defineConfig({
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, assetsInlineLimit: 0 },
  server: { proxy: { '/v1': process.env.ZAPNOTY_API ?? 'http://127.0.0.1:5080' } },
});
