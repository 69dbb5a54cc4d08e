import fs from 'node:fs';
import { expect } from 'chai';
import { CLUSTER_SLOT_COUNT, type ClusterMaster } from '../../../scripts/support/cluster-topology';
import { isProcessAlive } from '../../../scripts/support/process-control';
import { startRedisCluster, type RedisClusterHandle } from '../../../scripts/support/redis-cluster';
import { redisCommand } from '../../../scripts/support/redis-command';
import type { RedisServerHandle } from '../../../scripts/support/redis-server';
import { waitFor } from '../../../src/core/wait-for';

function slotCount(masters: ClusterMaster[]): number {
  return masters.reduce((sum, m) => sum + m.slots.reduce((n, [a, b]) => n + b - a + 1, 0), 0);
}

function nodeOn(cluster: RedisClusterHandle, port: number): RedisServerHandle {
  const node = cluster.nodes.find((n) => n.port === port);
  if (node === undefined) throw new Error(`no cluster node on port ${port}`);
  return node;
}

/** True once `node` replicates from `masterPort` with its link up. */
async function isReplicaOf(node: RedisServerHandle, masterPort: number): Promise<boolean> {
  const info = String(await node.command('INFO', 'replication'));
  return (
    info.includes('role:slave\r\n') &&
    info.includes(`master_port:${masterPort}\r\n`) &&
    info.includes('master_link_status:up\r\n')
  );
}

// No skip on startup failure: a missing or broken cluster must fail the run.
describe('scripts/support/redis-cluster', function () {
  this.timeout(60_000);
  let cluster: RedisClusterHandle;

  before(async () => {
    cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 });
  });

  after(async () => {
    await cluster?.stop();
  });

  it('starts 3 masters, each with 1 in-sync replica, covering every slot', async () => {
    expect(cluster.nodes).to.have.length(6);
    expect(cluster.seeds.split(',')).to.deep.equal(cluster.nodes.map((n) => `127.0.0.1:${n.port}`));
    const masters = await cluster.masters();
    expect(masters).to.have.length(3);
    expect(slotCount(masters)).to.equal(CLUSTER_SLOT_COUNT);
    for (const master of masters) {
      expect(master.replicaPorts).to.have.length(1);
      expect(await isReplicaOf(nodeOn(cluster, master.replicaPorts[0] ?? 0), master.port)).to.equal(true);
    }
    expect(await cluster.ownerOfSlot(0)).to.equal(masters[0]?.port);
    expect(await cluster.ownerOfSlot(CLUSTER_SLOT_COUNT - 1)).to.equal(masters[2]?.port);
  });

  it('promotes the replica of a SIGKILLed master, and the old master rejoins as its replica', async () => {
    const [victim] = await cluster.masters();
    const heir = victim?.replicaPorts[0];
    if (victim === undefined || heir === undefined) throw new Error('no master with a replica');
    const victimNode = nodeOn(cluster, victim.port);
    const [firstSlot] = victim.slots[0] ?? [0];

    await victimNode.kill('SIGKILL');
    await cluster.waitForHealthy(30_000);
    expect(await cluster.ownerOfSlot(firstSlot)).to.equal(heir);

    await victimNode.restart();
    await waitFor(() => isReplicaOf(victimNode, heir), {
      timeoutMs: 20_000,
      intervalMs: 100,
      description: `restarted node ${victim.port} to replicate from ${heir}`,
    });
    await cluster.waitForReplicas(20_000);
    const promoted = (await cluster.masters()).find((m) => m.port === heir);
    expect(promoted?.replicaPorts).to.deep.equal([victim.port]);
  });

  it('stop ends every node and removes their directories', async () => {
    const nodes = cluster.nodes.map((n) => ({ pid: n.pid, dir: n.dir }));
    await cluster.stop();
    for (const { pid, dir } of nodes) {
      expect(isProcessAlive(pid), `pid ${pid}`).to.equal(false);
      expect(fs.existsSync(dir), dir).to.equal(false);
    }
  });

  it('starts a password-protected cluster that refuses unauthenticated clients', async () => {
    const secured = await startRedisCluster({ masters: 3, replicasPerMaster: 0, password: 'cluster-secret' });
    try {
      expect(await secured.masters()).to.have.length(3);
      const port = secured.nodes[0]?.port ?? 0;
      const refused = await redisCommand({ port }, ['CLUSTER', 'INFO']).then(
        () => 'accepted',
        (err: Error) => err.message,
      );
      expect(refused).to.match(/NOAUTH/);
    } finally {
      await secured.stop();
    }
  });
});
