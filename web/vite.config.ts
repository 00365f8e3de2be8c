import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const root = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(root, 'dist');
const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * The API's first path segments, read from the generated client types, so the dev server proxies every
 * API route (and nothing of the app's Vietnamese page paths) to the running API without a list to keep.
 */
function apiPrefixes(): string[] {
  const schema = readFileSync(path.join(root, 'src/api/schema.ts'), 'utf8');
  const segments = new Set(['openapi.json', 'docs']);
  for (const m of schema.matchAll(/^ {4}"\/([^/"{]+)/gm)) segments.add(m[1]!);
  return [...segments];
}

/**
 * Writes .gz and .br twins of the built text assets (the server sends them to clients that accept them;
 * it has no compression of its own), and prints the first load of the citizen portal's home page:
 * the entry chunk, its static imports, the home page chunk and the CSS, gzip-compressed.
 */
function precompressAndReport(): Plugin {
  return {
    name: 'motcua-precompress',
    apply: 'build',
    async writeBundle(options, bundle) {
      const dir = options.dir ?? outDir;
      const sizes = new Map<string, number>();
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(js|css|svg|json)$/.test(fileName)) continue;
        const file = path.join(dir, fileName);
        const content = await readFile(file);
        const gz = await gzipAsync(content, { level: 9 });
        sizes.set(fileName, gz.length);
        if (content.length < 1024) continue;
        const br = await brotliAsync(content, {
          params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: content.length },
        });
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(`${file}.gz`, gz);
        await writeFile(`${file}.br`, br);
      }
      // First load of "/": what the browser fetches before the home page can render.
      const chunks = Object.values(bundle).flatMap((b) => (b.type === 'chunk' ? [b] : []));
      const needed = new Set<string>();
      const visit = (fileName: string) => {
        if (needed.has(fileName)) return;
        needed.add(fileName);
        const chunk = chunks.find((c) => c.fileName === fileName);
        for (const dep of chunk?.imports ?? []) visit(dep);
        for (const css of chunk?.viteMetadata?.importedCss ?? []) needed.add(css);
      };
      for (const c of chunks) if (c.isEntry) visit(c.fileName);
      const home = chunks.find((c) => c.facadeModuleId?.endsWith(path.join('pages', 'HomePage.tsx')));
      if (home) visit(home.fileName);
      const js = [...needed].filter((f) => f.endsWith('.js')).reduce((s, f) => s + (sizes.get(f) ?? 0), 0);
      const css = [...needed].filter((f) => f.endsWith('.css')).reduce((s, f) => s + (sizes.get(f) ?? 0), 0);
      console.log(
        `\n  first load of the citizen portal (/): ${(js / 1024).toFixed(1)} kB JS + ${(css / 1024).toFixed(1)} kB CSS gzip (${[...needed].join(', ')})\n`,
      );
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  plugins: [react(), precompressAndReport()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
    rollupOptions: {
      output: {
        // Libraries change less often than pages: their own chunk stays cached across releases.
        manualChunks(id) {
          if (/node_modules\/(react|react-dom|scheduler|react-router|react-router-dom|cookie|set-cookie-parser)\//.test(id)) return 'react';
          if (/node_modules\/(i18next|react-i18next|html-parse-stringify|void-elements|openapi-fetch)\//.test(id)) return 'i18n';
          return undefined;
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      [`^/(${apiPrefixes()
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|')})(/|\\?|$)`]: {
        target: process.env.MOTCUA_API ?? 'http://127.0.0.1:3100',
        changeOrigin: false,
      },
    },
  },
});
