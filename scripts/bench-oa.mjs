// scripts/bench-oa.mjs — the peer for scripts/bench-issue.sh: OpenAttestation's batch wrap
// (npm package @govtechsg/open-attestation, wrapDocuments, schema v2) over the same graduates,
// one JSON document per diploma, read from files and written to files as its CLI's `wrap` does.
// Writing the input documents is not timed; reading them, wrapping (hashing every field, the
// Merkle tree over the batch) and writing the wrapped documents is.
//
// Usage: node bench-oa.mjs ROSTER.csv WORKDIR        (NODE_PATH or a node_modules above finds the package)
// Prints "documents N", "seconds S" and "documents_per_second R", one a line.
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const [rosterPath, workDir] = process.argv.slice(2);
if (!rosterPath || !workDir) {
  console.error("usage: node bench-oa.mjs ROSTER.csv WORKDIR");
  process.exit(2);
}
const require = createRequire(join(process.cwd(), "x.js"));
let oa;
try {
  oa = require("@govtechsg/open-attestation");
} catch (e) {
  console.error("bench-oa: @govtechsg/open-attestation is not installed here: " + e.message);
  process.exit(3);
}

// The roster's rows (the generator writes no quoted commas; a quoted field is taken whole).
function splitCsv(line) {
  const out = [];
  let field = "", quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { out.push(field); field = ""; }
    else field += c;
  }
  out.push(field);
  return out;
}
const lines = readFileSync(rosterPath, "utf8").split(/\r?\n/).filter((l) => l.length);
const rows = lines.slice(1).map(splitCsv);

const inDir = join(workDir, "in"), outDir = join(workDir, "out");
mkdirSync(inDir, { recursive: true });
mkdirSync(outDir, { recursive: true });
rows.forEach((r, i) => {
  const doc = {
    $template: { name: "VN_DIPLOMA", type: "EMBEDDED_RENDERER", url: "https://renderer.example.edu.vn" },
    issuers: [{
      name: "Trường Cao đẳng Nghề Hà Nội",
      documentStore: "0x9178F546D3FF57D7A6352bD61B80cCCD46199C2d",
      identityProof: { type: "DNS-TXT", location: "xacthuc.example.edu.vn" },
    }],
    recipient: { name: r[1], birthDate: r[2], gender: r[3] },
    serial: String(i + 1), programCode: r[5], programName: r[6], classification: r[7], trainingMode: r[8],
    decisionNumber: r[9], decisionDate: r[10], issueDate: "30/06/2026", issuePlace: "Hà Nội",
  };
  writeFileSync(join(inDir, `${String(i + 1).padStart(7, "0")}.json`), JSON.stringify(doc));
});

const start = process.hrtime.bigint();
const names = readdirSync(inDir).sort();
const documents = names.map((n) => JSON.parse(readFileSync(join(inDir, n), "utf8")));
const wrapped = oa.wrapDocuments(documents);
wrapped.forEach((w, i) => writeFileSync(join(outDir, names[i]), JSON.stringify(w)));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`documents ${wrapped.length}\nseconds ${seconds.toFixed(3)}\ndocuments_per_second ${(wrapped.length / seconds).toFixed(0)}`);
