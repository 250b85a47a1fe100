// Parse Mermaid files with the real mermaid parser: node mermaid_parse.mjs NODE_MODULES FILE...
// Prints "ok FILE" or "FAIL FILE: message" per file; exits 1 when any fails.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, ...files] = process.argv.slice(2);
const load = async (name) => import(pathToFileURL(createRequire(path.join(modules, "noop.js")).resolve(name)));
const { JSDOM } = await load("jsdom");
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const mermaid = (await load("mermaid")).default;
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
let failed = 0;
for (const file of files) {
  try {
    await mermaid.parse(fs.readFileSync(file, "utf8"));
    console.log(`ok ${file}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${file}: ${String(error.message || error).split("\n").join(" ")}`);
  }
}
process.exit(failed ? 1 : 0);
