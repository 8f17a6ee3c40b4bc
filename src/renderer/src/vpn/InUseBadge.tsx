/** The mark of the VPN the design uses, the same in the leaderboard, the feature matrix and the advisor. */
export function InUseBadge() {
  return (
    <span className="in-use-badge" title="The VPN your design uses">
      in use
    </span>
  );
}
