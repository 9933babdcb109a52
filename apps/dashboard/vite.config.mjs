// Builds web/ into dist/public, every asset bundled locally (no CDN).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'web',
  base: '/',
  plugins: [react()],
  build: { outDir: '../dist/public', emptyOutDir: true, sourcemap: true },
});
