// Reference chat-template renderer: @huggingface/jinja (the version pinned in package-lock.json).
// Usage: node render_template.mjs < cases.jsonl > results.jsonl
//   Each input line is {"template": "...", "context": {...}, "now": MS?}; each output line is
//   {"output": "..."} or {"error": "..."}. "now" (milliseconds since the epoch) fixes the clock that
//   strftime_now reads, in UTC, so that templates calling it render the same on every run.
import { readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";

process.env.TZ = "UTC";
const RealDate = Date;
let fixedNow = null;
// strftime_now calls `new Date()`; a subclass answers the fixed instant when one is given.
globalThis.Date = class extends RealDate {
  constructor(...args) {
    if (args.length === 0 && fixedNow !== null) super(fixedNow);
    else super(...args);
  }
};

const lines = readFileSync(0, "utf8").split("\n").filter((l) => l.length > 0);
const out = [];
for (const line of lines) {
  const rec = JSON.parse(line);
  fixedNow = rec.now ?? null;
  try {
    const output = new Template(rec.template).render(rec.context ?? {});
    out.push(JSON.stringify({ output }));
  } catch (e) {
    out.push(JSON.stringify({ error: String(e && e.message !== undefined ? e.message : e) }));
  }
}
process.stdout.write(out.map((l) => l + "\n").join(""));
