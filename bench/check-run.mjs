#!/usr/bin/env node
// Out-of-process check of one benchmark chunk, so that the large admin answers (thousands of
// audit rows) never enter the heap being measured (bench/soak.mjs). Waits until the vault holds
// `n` audit rows (or 60 s), checks audit rows (grant, status 200) and provider calls (valid
// credential), optionally resets the vault, prints one JSON line {audit, calls, problems}.
//
//   node bench/check-run.mjs --base URL --n N --grant ID [--reset]

import { arg, reset, waitForAudits } from './lib.mjs';

const BASE = arg('base');
const N = Number(arg('n'));
const GRANT = arg('grant');
const { audit, calls } = await waitForAudits(BASE, N, 60_000);
const problems = [];
if (audit.length !== N) problems.push(`audit rows ${audit.length} != ${N}`);
const badRows = audit.filter((a) => a.row?.grant_id !== GRANT || a.row?.response_status !== 200).length;
if (badRows) problems.push(`${badRows} audit rows with another grant or status`);
if (calls.length !== N) problems.push(`provider calls ${calls.length} != ${N}`);
const badCalls = calls.filter((c) => !c.credential_ok).length;
if (badCalls) problems.push(`${badCalls} provider calls without a valid credential`);
if (process.argv.includes('--reset')) await reset(BASE);
console.log(JSON.stringify({ audit: audit.length, calls: calls.length, problems }));
