// SPDX-License-Identifier: Apache-2.0
// harness.js — what the npm client tests share: a step runner that counts checks and prints
// one line per failure, the closing "LABEL: N passed, M failed" line with the exit status, and
// the samples the cross-client tests exchange (the same constants as in cross_python.py).
'use strict';

// detail(e) adds client-specific facts about a failure (an HTTP status, an error code).
function runner(detail = (e) => (e && e.status ? ` (status ${e.status})` : '')) {
  let passed = 0;
  let failed = 0;
  async function step(name, fn) {
    try {
      await fn();
      passed++;
    } catch (e) {
      failed++;
      const msg = e && e.message ? e.message.split('\n').slice(0, 8).join(' | ') : e;
      console.log(`FAIL ${name}: ${msg}${detail(e)}`);
    }
  }
  // Runs main, then prints the summary and exits 1 on any failure.
  function run(label, main) {
    main().then(() => {
      console.log(`${label}: ${passed} passed, ${failed} failed`);
      process.exit(failed ? 1 : 0);
    }, (e) => {
      console.log(`FAIL unexpected: ${e && e.stack ? e.stack : e}`);
      process.exit(1);
    });
  }
  return { step, run };
}

const CROSS = {
  AVRO_SCHEMA: JSON.stringify({
    type: 'record', name: 'Reading', namespace: 'sr.cross', fields: [
      { name: 'id', type: 'long' }, { name: 'name', type: 'string' },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      { name: 'note', type: ['null', 'string'], default: null }, { name: 'score', type: 'double' }],
  }),
  AVRO_VALUE: { id: 7, name: 'cross', tags: ['a', 'b'], note: 'hi', score: 2.5 },
  JSON_SCHEMA: JSON.stringify({
    $schema: 'http://json-schema.org/draft-07/schema#', title: 'Reading', type: 'object',
    properties: {
      id: { type: 'integer' }, name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } },
      score: { type: 'number' },
    },
    required: ['id', 'name'],
  }),
  JSON_VALUE: { id: 7, name: 'cross', tags: ['a', 'b'], score: 2.5 },
};

module.exports = { runner, CROSS };
