import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, URL } from "node:url";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import vue from "@vitejs/plugin-vue";
import Components from "unplugin-vue-components/vite";
import { ElementPlusResolver } from "unplugin-vue-components/resolvers";
import { defineConfig, type Plugin } from "vite";
import { pdfjsAssets } from "./vite-pdfjs-assets";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * Writes a .br (maximum quality) and a .gz twin next to every text file of the build, so the server
 * (koa-send) sends them as they are instead of compressing the same bytes for every visitor.
 */
function precompress(): Plugin {
  const brotli = promisify(brotliCompress);
  const gzipped = promisify(gzip);
  return {
    name: "yong:precompress",
    apply: "build",
    async writeBundle(options, bundle) {
      const dir = options.dir;
      if (!dir) return;
      const files = Object.keys(bundle).filter((file) => /\.(m?js|css|html|svg|json)$/.test(file));
      await Promise.all(
        files.map(async (file) => {
          const data = await readFile(join(dir, file));
          if (data.length < 1024) return;
          const params = { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length };
          await writeFile(join(dir, `${file}.br`), await brotli(data, { params }));
          await writeFile(join(dir, `${file}.gz`), await gzipped(data, { level: 9 }));
        }),
      );
    },
  };
}
/**
 * @element-plus/icons-vue is one module: every icon any screen imports is in it, and Element Plus's
 * own inputs import it, so the sign-in page would load every icon of the application. The screens
 * under src/views (except the sign-in pages) and src/layouts import their icons from a second copy of
 * the module (the same file under another id), tree-shaken on its own and loaded with those screens;
 * the sign-in path keeps the first copy, with only the icons it and Element Plus use.
 */
function screenIcons(): Plugin {
  const SCREENS = /[\\/]client[\\/]src[\\/](views[\\/](?!auth[\\/])|layouts[\\/])/;
  return {
    name: "yong:screen-icons",
    apply: "build",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (source !== "@element-plus/icons-vue" || !importer || !SCREENS.test(importer)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved ? `${resolved.id}?screens` : null;
    },
  };
}

const apiTarget = process.env.YO_API_TARGET ?? "http://localhost:8080";

export default defineConfig({
  root,
  plugins: [
    vue(),
    // Element Plus components and directives (v-loading) used in templates are imported with
    // their CSS where they are used, so the login page does not carry the whole kit. Functions
    // (ElMessage, ElMessageBox) are imported explicitly, with their styles, by the files that call them.
    Components({ dirs: [], dts: false, resolvers: [ElementPlusResolver({ importStyle: "css" })] }),
    pdfjsAssets(),
    screenIcons(),
    precompress(),
  ],
  define: {
    // vue-i18n feature flags: the app uses the Composition API only and no <i18n-t> components,
    // so the legacy API and the global components need not ship.
    __VUE_I18N_LEGACY_API__: "false",
    __VUE_I18N_FULL_INSTALL__: "false",
    __INTLIFY_PROD_DEVTOOLS__: "false",
  },
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  server: {
    proxy: {
      "/api": { target: apiTarget, changeOrigin: false },
      "/healthz": { target: apiTarget, changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      "/api": { target: apiTarget, changeOrigin: false },
      "/healthz": { target: apiTarget, changeOrigin: false },
    },
  },
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        // Element Plus chunks would be named after their first module, a style import ("css-…"):
        // name them after their main component, so the network panel says what loaded.
        chunkFileNames(chunk) {
          if (chunk.name !== "css") return "assets/[name]-[hash].js";
          const counts = new Map<string, number>();
          for (const id of chunk.moduleIds) {
            const component = /element-plus[\\/]es[\\/]components[\\/]([^\\/]+)[\\/]/.exec(id)?.[1];
            if (component) counts.set(component, (counts.get(component) ?? 0) + 1);
          }
          const [main] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ["ui"];
          return `assets/el-${main}-[hash].js`;
        },
        codeSplitting: {
          groups: [
            // The framework every page needs changes rarely: its own long-cached chunk.
            {
              name: "vue",
              test: /node_modules[\\/](vue|@vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/,
              priority: 2,
            },
          ],
        },
      },
    },
  },
});
