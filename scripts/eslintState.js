// Lint rules for how the renderer changes its state (STYLE.md sections 3 and 5). A design changes in one way only:
// a command from the registry (src/renderer/src/commands), which records it in the undo history as its capture
// mode says. Code outside the stores and the commands layer reads the document (useDesign, getDocument) but never
// holds the writable design store or its undo history, and changes any store through its actions, never setState.

/** The design store's module, however it is imported (relative path, with or without an extension). */
const isDesignStoreModule = (source) => typeof source === 'string' && /(^|\/)stores\/designStore(\.tsx?|\.js)?$/.test(source);

/** Exports of the design store module that can change the document. */
const writableExports = new Set(['useDesignStore', 'createDesignStore']);

const propertyName = (member) => (member.computed ? (member.property.type === 'Literal' ? member.property.value : null) : member.property.name);

const designChangesThroughCommands = {
  meta: {
    type: 'problem',
    docs: { description: 'Only the stores and the commands layer may change the design store; everything else runs a command.' },
    schema: [],
    messages: {
      writableStore:
        'Change the design by running a command (executeCommand in commands/registry.ts), not through the design store: read it with useDesign or getDocument. A direct write skips the undo history and its capture modes.',
      history: 'The undo history belongs to the design store and the commands layer; run a command (undo, redo, or an edit with its capture mode) instead.',
      contextStore: 'A command context hands its design store to commands only; outside them, run a command with executeCommand.',
    },
  },
  create(context) {
    const checkImport = (node) => {
      if (!isDesignStoreModule(node.source?.value) || node.importKind === 'type' || node.exportKind === 'type') return;
      if (node.type === 'ExportAllDeclaration') {
        context.report({ node, messageId: 'writableStore' });
        return;
      }
      for (const spec of node.specifiers ?? []) {
        if (spec.importKind === 'type' || spec.exportKind === 'type') continue;
        const name = spec.type === 'ImportSpecifier' ? (spec.imported.name ?? spec.imported.value) : spec.type === 'ExportSpecifier' ? (spec.local.name ?? spec.local.value) : null;
        // A namespace or default import would reach every export, the writable store included.
        if (name === null || writableExports.has(name)) context.report({ node: spec, messageId: 'writableStore' });
      }
    };
    return {
      ImportDeclaration: checkImport,
      ExportNamedDeclaration: checkImport,
      ExportAllDeclaration: checkImport,
      ImportExpression(node) {
        if (node.source.type === 'Literal' && isDesignStoreModule(node.source.value)) context.report({ node, messageId: 'writableStore' });
      },
      MemberExpression(node) {
        const name = propertyName(node);
        if (name === 'temporal') context.report({ node, messageId: 'history' });
        // appContext.design.getState().commit(…), ctx.design.setState(…): the store a command context carries.
        else if ((name === 'getState' || name === 'setState' || name === 'subscribe') && node.object.type === 'MemberExpression' && propertyName(node.object) === 'design') {
          context.report({ node, messageId: 'contextStore' });
        }
      },
    };
  },
};

const noSetStateOutsideStores = {
  meta: {
    type: 'problem',
    docs: { description: 'Components and features change a store through its actions, never with setState.' },
    schema: [],
    messages: {
      setState: 'Change a store through its actions (useXStore.getState().doSomething()), never with setState from outside it: the store decides what a change means.',
    },
  },
  create(context) {
    return {
      CallExpression(node) {
        const callee = node.callee;
        // React's own class components (this.setState) are not stores.
        if (callee.type === 'MemberExpression' && propertyName(callee) === 'setState' && callee.object.type !== 'ThisExpression') context.report({ node, messageId: 'setState' });
      },
    };
  },
};

/** The plugin: `state/design-changes-through-commands` and `state/no-set-state-outside-stores`. */
export default {
  meta: { name: 'state' },
  rules: {
    'design-changes-through-commands': designChangesThroughCommands,
    'no-set-state-outside-stores': noSetStateOutsideStores,
  },
};
