// Ends code-server and everything it started when the launcher dies without cleaning up
// (SIGKILL, OOM, a closed terminal): a launcher cannot catch those, so a small detached process
// watches it.   node watchdog.js <launcherPid> <serverPid>
// It exits by itself once the server's whole tree is gone; the launcher kills it when it is done.
const { TreeTracker } = require('./process-tree');

const launcherPid = Number(process.argv[2]);
const serverPid = Number(process.argv[3]);
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
  if (tree.alive().size === 0) {
    clearInterval(timer);
    process.exit(0);
  }
  if (!alive(launcherPid)) {
    clearInterval(timer);
    await tree.kill();
    process.exit(0);
  }
}, 1000);
