// Ends code-server and everything it started when the launcher dies without cleaning up
// (SIGKILL, OOM, a closed terminal): a launcher cannot catch those, so a small detached process
// watches it, and then also deletes the launcher's temporary folders.
//   node watchdog.js <launcherPid> <serverPid> [folder...]
// It exits by itself once the server's whole tree is gone; the launcher kills it when it is done.
const fs = require('fs');
const { TreeTracker } = require('./process-tree');

const launcherPid = Number(process.argv[2]);
const serverPid = Number(process.argv[3]);
const folders = process.argv.slice(4);
const tree = new TreeTracker({ rootPid: serverPid });

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

const timer = setInterval(async () => {
  if (!alive(launcherPid)) {
    clearInterval(timer);
    await tree.kill();
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
    process.exit(0);
  }
  if (tree.alive().size === 0) {
    clearInterval(timer);
    process.exit(0);
  }
}, 1000);
