'use strict';
// The sha256 of the addon's sources (binding.gyp, native/sources.gypi, native/src/*), printed in
// hex. Both builds compile it into the addon (its `sourcesSha256`), so a prebuilt binary that
// no longer matches the sources is caught by comparing the two (test/native-prebuild.test.ts).
const { createHash } = require('crypto');
const { readdirSync, readFileSync } = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const files = ['binding.gyp', 'native/sources.gypi', ...readdirSync(path.join(root, 'native', 'src')).sort().map((name) => `native/src/${name}`)];
const hash = createHash('sha256');
for (const file of files) hash.update(`${file}\0`).update(readFileSync(path.join(root, file))).update('\0');
process.stdout.write(hash.digest('hex'));
