// Run first by every npm script: on a Node older than 22 it prints one line saying so and stops the script, instead
// of an unknown-option error or a crash inside the tooling. Plain old JavaScript, so that any Node can parse it.
var major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error('oci-auth-fetch needs Node 22 or later (this is Node ' + process.versions.node + ').');
  process.exit(1);
}
