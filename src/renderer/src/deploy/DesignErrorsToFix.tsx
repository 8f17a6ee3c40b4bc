import { ProblemList } from '../panels/ProblemList';
import { getDerived } from '../stores/derived';
import { useDesign } from '../stores/designStore';

/**
 * The design's errors under "Nothing can be deployed", each opening the Design area on it; the old sentence when the
 * design has none (the deploy is then blocked by something outside the design, which the message above names).
 */
export function DesignErrorsToFix() {
  const design = useDesign((s) => s.design);
  const errors = getDerived(design).problems.filter((p) => p.severity === 'error');
  if (errors.length === 0) return <p>Fix this in the Design area; the problems panel lists what needs attention.</p>;
  return (
    <>
      <p>Fix {errors.length === 1 ? 'this problem' : `these ${errors.length} problems`} in the Design area:</p>
      <ProblemList problems={errors} compact openInDesign />
    </>
  );
}
