import type { GenerateError } from '../../../shared/nix/errors';
import { describeGenerateError } from '../../../shared/nix/errors';
import { ProblemList, showInDesign } from '../panels/ProblemList';
import type { InspectorField } from '../panels/problemTargets';

// When the configuration cannot be generated, or nothing can be deployed, the Deploy area names what stops it and
// opens the Design area on each problem, at the field to fill (issue 17: "Fix this in the Design area" had no way
// there).

/** Where a generate error that is not a list of design problems is fixed: the item and its field, if any. */
function errorTarget(error: GenerateError): { ids: string[]; field: InspectorField | null } | null {
  switch (error.code) {
    case 'missingPublicAddress':
    case 'moonNeedsIpAddress':
      return { ids: [error.details.machineId], field: 'public-address' };
    case 'unrepresentableText':
      return error.details.itemId === null ? null : { ids: [error.details.itemId], field: null };
    case 'instanceNameReserved':
      return { ids: [], field: 'vpn-instance' };
    default:
      return null;
  }
}

/** "The configuration cannot be generated yet", with each problem that stops it and a way to it. */
export function GenerationBlocked({ error }: { error: GenerateError }) {
  const target = errorTarget(error);
  return (
    <section className="deploy-blocked" role="alert" data-testid="generation-blocked">
      <h2>The configuration cannot be generated yet</h2>
      {error.code === 'designInvalid' ? (
        <>
          <p>
            {error.details.problems.length === 1
              ? 'One problem in the design stops it. Fix it in the Design area, and the configuration appears here:'
              : `${error.details.problems.length} problems in the design stop it. Fix them in the Design area, and the configuration appears here:`}
          </p>
          <ProblemList problems={error.details.problems} openInDesign />
        </>
      ) : (
        <>
          <p>{describeGenerateError(error)}</p>
          {target !== null && (
            <button type="button" onClick={() => showInDesign(target.ids, target.field)}>
              Show in the Design area
            </button>
          )}
        </>
      )}
    </section>
  );
}
