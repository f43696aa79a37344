// node-oauth-1.0a (the signer SmythOS uses), driven exactly as SmythOS drives it: an HMAC-SHA1
// hash_function over node's crypto, `authorize` then `toHeader` for each request.
//
//   NODE_PATH=/usr/share/nodejs node benchmarks/peers/sign_node.js INPUT.json
//
// INPUT.json is written by `keyflow-bench sign`. Prints one JSON line: the Authorization
// header for the fixed nonce and timestamp (the bench checks it against Keyflow's), and
// headers per second measured here, after start-up and a warm-up, as the median of `runs`.
'use strict';
const fs = require('fs');
const crypto = require('crypto');

let OAuth;
try {
  OAuth = require('oauth-1.0a');
} catch (error) {
  console.log(JSON.stringify({ skipped: 'node-oauth-1.0a not installed (apt-get install node-oauth-1.0a)' }));
  process.exit(0);
}

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

function signer() {
  return OAuth({
    consumer: { key: input.consumer_key, secret: input.consumer_secret },
    signature_method: 'HMAC-SHA1',
    hash_function(baseString, key) {
      return crypto.createHmac('sha1', key).update(baseString).digest('base64');
    },
  });
}

const token = { key: input.token, secret: input.token_secret };
const data = {};
for (const [name, value] of input.form) data[name] = value;
const request = { url: input.url, method: input.method, data };

// The cross-check: the same fixed nonce and timestamp as Keyflow's sample.
const fixed = signer();
fixed.getNonce = () => input.nonce;
fixed.getTimeStamp = () => input.timestamp;
const header = fixed.toHeader(fixed.authorize(request, token)).Authorization;

// The measurement: fresh nonces and timestamps, as in real use.
const oauth = signer();
let sink = 0;
const perSecond = [];
for (let run = 0; run <= input.runs; run++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < input.iterations; i++) {
    sink += oauth.toHeader(oauth.authorize(request, token)).Authorization.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run > 0) perSecond.push(input.iterations / seconds); // run 0 is the warm-up
}
perSecond.sort((a, b) => a - b);
const middle = Math.floor(perSecond.length / 2);
const median = perSecond.length % 2 ? perSecond[middle] : (perSecond[middle - 1] + perSecond[middle]) / 2;
console.log(JSON.stringify({ header, per_second: median, samples: perSecond, sink, version: require('oauth-1.0a/package.json').version }));
