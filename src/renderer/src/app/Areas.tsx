import { EmptyState } from '../components/EmptyState';
import type { AreaId } from '../stores/uiStore';

/** The content of one work area. */
export function AreaContent({ area }: { area: AreaId }) {
  switch (area) {
    case 'design':
      return (
        <EmptyState title="Design your family network">
          <p>Here you will draw the places your machines live in — your home, your parents' house, a cloud server — and the machines in each.</p>
          <ul>
            <li>Each site gets its NAT type and link quality, so the app can tell which machines can reach each other.</li>
            <li>Mark where you, the admin, sit: deployments start from there.</li>
            <li>A problems panel explains anything that would stop the network from working, with a fix where one exists.</li>
          </ul>
        </EmptyState>
      );
    case 'choose-vpn':
      return (
        <EmptyState title="Choose a mesh VPN">
          <p>Here you will compare ten mesh VPNs — EasyTier, Tailscale with Headscale, Hyprspace, Mycelium, Nebula, Tinc, VpnCloud, WireGuard, Yggdrasil and ZeroTier — on measured numbers.</p>
          <ul>
            <li>A leaderboard of throughput, latency and streaming quality from the “Decrypting the Overlay” benchmark, under four network conditions.</li>
            <li>A ranking for your own design, with the reasons and caveats behind it.</li>
          </ul>
        </EmptyState>
      );
    case 'deploy':
      return (
        <EmptyState title="Deploy to your machines">
          <p>Here you will turn your design into a Clan configuration and put it on your machines over SSH.</p>
          <ul>
            <li>Check every machine first: reachable, the right host key, NixOS, enough disk and memory.</li>
            <li>Deploy in waves so you never cut off your own way in, then confirm every machine reaches every other over the new network.</li>
          </ul>
        </EmptyState>
      );
    case 'assistant':
      return (
        <EmptyState title="Ask the assistant">
          <p>Here you will be able to ask questions about your network and its problems.</p>
          <ul>
            <li>Answers are grounded in your design, the checks and the benchmark data, and cite them.</li>
            <li>You choose where questions go — a model on your own computer or a cloud service — and see what is sent before it leaves.</li>
          </ul>
        </EmptyState>
      );
  }
}
