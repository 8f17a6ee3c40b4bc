import { createLab, defaultLabSpec, destroyLeftovers } from './lab';

/**
 * `npm run lab:up`: builds the default lab, prints how to reach each host, and keeps the sshd servers running (they
 * are children of this process) until Ctrl-C, then tears everything down. `npm run lab:up -- --nixos`: the same with
 * every host but the bastion standing in for NixOS (test/lab/nixos.ts). `npm run lab:down`: removes what any lab
 * left behind after a crash, from the records in .lab/.
 */
export async function main(args: string[]): Promise<void> {
  const [command] = args;
  if (command === 'down') {
    const removed = await destroyLeftovers({ all: true });
    console.log(removed.length === 0 ? 'lab:down: nothing to remove.' : `lab:down: removed lab ${removed.join(', ')}.`);
    return;
  }
  const nixos = args.slice(1).includes('--nixos');
  if (command !== 'up' || args.slice(1).some((a) => a !== '--nixos')) throw new Error('usage: lab (up [--nixos] | down)');
  await destroyLeftovers();
  const lab = await createLab(nixos ? { ...defaultLabSpec, hosts: defaultLabSpec.hosts.map((h) => ({ ...h, nixos: h.bastion !== true })) } : defaultLabSpec);
  console.log(`Lab ${lab.id} is up. Users: ${lab.users.plain.name} (key ${lab.users.plain.privateKeyPath}), ${lab.users.sudo.name} with passwordless sudo (key ${lab.users.sudo.privateKeyPath}).`);
  for (const host of Object.values(lab.hosts)) {
    const enter = host.nixos === undefined ? `ip netns exec ${host.namespace}` : `nsenter -t ${host.nixos.pid} -m -u -n`;
    console.log(`  ${host.name.padEnd(8)} ${host.address.padEnd(14)} site ${host.site.padEnd(7)} ${host.hostKeyFingerprint}  (${enter} ...)${host.nixos === undefined ? '' : '  NixOS stand-in'}`);
  }
  console.log(`Try: ssh -i ${lab.users.plain.privateKeyPath} -J ${lab.users.plain.name}@${lab.host('bastion').address} ${lab.users.plain.name}@${lab.host('gamma').address}`);
  console.log('Press Ctrl-C to tear the lab down.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await lab.destroy();
  console.log('Lab torn down.');
}
