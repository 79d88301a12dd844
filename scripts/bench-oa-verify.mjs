// scripts/bench-oa-verify.mjs — the peer for scripts/bench-verifier.sh: OpenAttestation's
// verifySignature (npm package @govtechsg/open-attestation, schema v2) over N wrapped diplomas,
// on one core (one Node.js thread). The documents are wrapped first (not timed), in batches of
// the same size as a school's graduating class, so each carries a Merkle proof as real ones do;
// then each is checked with verifySignature, the whole of what OpenAttestation verifies offline
// (its issuer checks need a live Ethereum node or DNS, which a fair offline peer leaves out).
//
// Usage: node bench-oa-verify.mjs N SECONDS      (NODE_PATH or a node_modules above finds the package)
// Prints "documents N" and "verify_per_second R".
import { createRequire } from "node:module";
import { join } from "node:path";

const [countText, secondsText] = process.argv.slice(2);
const count = Number(countText || 2000), seconds = Number(secondsText || 5);
const require = createRequire(join(process.cwd(), "x.js"));
let oa;
try {
  oa = require("@govtechsg/open-attestation");
} catch (e) {
  console.error("bench-oa-verify: @govtechsg/open-attestation is not installed here: " + e.message);
  process.exit(3);
}

const programs = ["Điều dưỡng", "Kế toán", "Điện công nghiệp", "Công nghệ thông tin (Ứng dụng phần mềm)"];
const documents = [];
for (let i = 0; i < count; i++) {
  documents.push({
    $template: { name: "VANBANG_DIPLOMA", type: "EMBEDDED_RENDERER", url: "https://renderer.example.vn" },
    issuers: [{ name: "Trường Cao đẳng Nghề (bench)", documentStore: "0x0000000000000000000000000000000000000001",
                identityProof: { type: "DNS-TXT", location: "example.vn" } }],
    recipient: { name: `Nguyễn Văn ${i}`, birthDate: "13/11/2003", gender: "Nam" },
    credential: { type: "Bằng tốt nghiệp cao đẳng", serial: `2026${String(i + 1).padStart(6, "0")}`,
                  registerNumber: `${i + 1}/2026`, program: programs[i % programs.length], programCode: "6720301",
                  classification: "Khá", issuePlace: "Hà Nội", issueDate: "30/06/2026" },
  });
}
const wrapped = [];
for (let start = 0; start < documents.length; start += 500)
  wrapped.push(...oa.wrapDocuments(documents.slice(start, start + 500)));

let done = 0;
const began = process.hrtime.bigint();
let elapsed = 0;
do {
  for (let k = 0; k < 50; k++, done++)
    if (!oa.verifySignature(wrapped[done % wrapped.length])) {
      console.error("bench-oa-verify: a wrapped document did not verify");
      process.exit(1);
    }
  elapsed = Number(process.hrtime.bigint() - began) / 1e9;
} while (elapsed < seconds);
console.log(`documents ${wrapped.length}`);
console.log(`verify_per_second ${(done / elapsed).toFixed(1)}`);
