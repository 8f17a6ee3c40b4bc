// ESLint's no-restricted-imports checks import and export declarations only. A layer can also load a module with
// `await import('node:child_process')`, a template literal, `require(...)`, `import x = require(...)`, or name one in a
// type (`import('ssh2').Client`, which pulls that package's types, and with them @types/node, into the program).
// This rule checks those against the same forbidden modules as the layer's no-restricted-imports. It is its own rule,
// not a no-restricted-syntax selector, because a flat config keeps only the last options given for a rule: another
// block setting no-restricted-syntax for the same files would silently switch this ban off.

/** The string a specifier node names, or undefined when it is computed at run time. */
function staticSpecifier(node) {
  if (node === null || node === undefined) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked;
  return undefined;
}

/** Whether a computed specifier still stays inside this code base: a template literal that starts with ./ or ../. */
function isRelativeTemplate(node) {
  return node.type === 'TemplateLiteral' && /^\.\.?\//.test(node.quasis[0].value.cooked ?? '');
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid loading modules of another layer with import(), require() or import types' },
    schema: [
      {
        type: 'object',
        properties: {
          forbidden: {
            type: 'array',
            items: {
              type: 'object',
              properties: { regex: { type: 'string' }, message: { type: 'string' } },
              required: ['regex', 'message'],
              additionalProperties: false,
            },
          },
          computed: { type: 'string' },
        },
        required: ['forbidden', 'computed'],
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const { forbidden, computed } = context.options[0];
    const checks = forbidden.map(({ regex, message }) => ({ pattern: new RegExp(regex, 'u'), message }));

    function check(specifierNode, reportNode) {
      const specifier = staticSpecifier(specifierNode);
      if (specifier === undefined) {
        // A module name built at run time cannot be checked; only relative template literals (Vite's globbed
        // imports of this layer's own files) are safe to allow.
        if (specifierNode !== null && specifierNode !== undefined && !isRelativeTemplate(specifierNode)) context.report({ node: reportNode, message: computed });
        return;
      }
      const hit = checks.find(({ pattern }) => pattern.test(specifier));
      if (hit !== undefined) context.report({ node: reportNode, message: `'${specifier}': ${hit.message}` });
    }

    return {
      ImportExpression(node) {
        check(node.source, node);
      },
      TSImportType(node) {
        check(node.source ?? node.argument?.literal, node);
      },
      TSExternalModuleReference(node) {
        check(node.expression, node);
      },
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node.arguments[0], node);
      },
    };
  },
};

export default { meta: { name: 'layering' }, rules: { 'no-restricted-dynamic-imports': rule } };
