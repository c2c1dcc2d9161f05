// Parse one AsyncAPI document with the AsyncAPI project's own parser and its Avro schema
// parser, and print what it found as one JSON object on stdout (read by
// tests/support/asyncapi_parser.py). Usage: node validate.cjs DOCUMENT
//
// fromFile passes the document's path as its source, so relative $refs (the .avsc files) are
// resolved from the document's directory. For AsyncAPI 3 documents the parser converts an
// Avro payload without validating it (asyncapi/cli#1813: a field of type "notexisting"
// passes), so each Avro payload the parser resolved is also given to the Avro schema
// parser's own validate(); its findings are reported as errors ("avro-schema").
"use strict";

const path = require("path");
const { Parser, fromFile, DiagnosticSeverity } = require("@asyncapi/parser");
const { AvroSchemaParser } = require("@asyncapi/avro-schema-parser");

const AVRO = /^application\/vnd\.apache\.avro/;
const ORIGINAL = "x-parser-original-payload";

async function avroFindings(document, avro) {
  const findings = [];
  let checked = 0;
  for (const message of document.allMessages()) {
    const payload = message.json().payload;
    if (!payload || !AVRO.test(String(payload.schemaFormat))) {
      continue;
    }
    const where = ["components", "messages", message.id(), "payload", "schema"];
    const original = payload[ORIGINAL];
    if (original === undefined) {
      findings.push({ message: "the Avro payload was not resolved", path: where });
      continue;
    }
    checked += 1;
    for (const problem of await avro.validate({ data: original, path: where })) {
      findings.push({ message: problem.message, path: where });
    }
  }
  return { findings, checked };
}

async function main(file) {
  const avro = AvroSchemaParser();
  const parser = new Parser();
  parser.registerSchemaParser(avro);
  const { document, diagnostics } = await fromFile(parser, path.resolve(file)).parse();
  const result = {
    parsed: document !== undefined,
    diagnostics: diagnostics.map((d) => ({
      code: String(d.code),
      severity: d.severity,
      message: d.message,
      path: d.path.join("/"),
    })),
    avroPayloadsChecked: 0,
  };
  if (document) {
    const { findings, checked } = await avroFindings(document, avro);
    result.avroPayloadsChecked = checked;
    for (const finding of findings) {
      result.diagnostics.push({
        code: "avro-schema",
        severity: DiagnosticSeverity.Error,
        message: finding.message,
        path: finding.path.join("/"),
      });
    }
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main(process.argv[2]).catch((error) => {
  process.stderr.write(`validate.cjs: ${error && error.stack ? error.stack : error}\n`);
  process.exit(2);
});
