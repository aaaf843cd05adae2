import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

// Three bundles from the fixed layout: the Electron main process (with its worker entries), the sandboxed
// preload (CommonJS, required by sandbox: true) and the Vue renderer, which the browser host serves too.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // chunks beside the entries: the worker bundles are found relative to the code that spawns them
        output: { chunkFileNames: '[name]-[hash].js' },
        input: {
          index: resolve(__dirname, 'src-main/shell/main.ts'),
          'dicom-header-worker': resolve(__dirname, 'src-main/core/workers/dicom-header-worker.ts'),
          'embedding-worker': resolve(__dirname, 'src-main/core/workers/embedding-worker.ts'),
          'clustering-worker': resolve(__dirname, 'src-main/core/workers/clustering-worker.ts'),
          'export-worker': resolve(__dirname, 'src-main/core/workers/export-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve(__dirname, 'src-main/preload/index.ts') } },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [vue()],
    resolve: { alias: { '@contract': resolve(__dirname, 'src-main/contract/index.ts') } },
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      emptyOutDir: true,
      minify: true,
      // cornerstone3D (with vtk.js) is most of the bundle; it loads from disk in the desktop app
      chunkSizeWarningLimit: 4096,
      rollupOptions: { input: { index: resolve(__dirname, 'src-renderer/index.html') } },
    },
  },
});
