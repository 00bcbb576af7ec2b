// A local rule: every element a list callback (`items.map(...)`, `flatMap`) returns carries a
// `key`. Without one Preact matches rows by position, so a row's state (an open editor, a
// pending confirmation, a busy button) moves to its neighbour when a row above is removed.
// Fragments are reported too: `<>` cannot take a key (use <Fragment key=...>).

const listMethods = new Set(['map', 'flatMap']);

function returnedNodes(fn) {
  if (fn.body.type !== 'BlockStatement') return [fn.body];
  const found = [];
  const visit = (node) => {
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'ReturnStatement') { if (node.argument) found.push(node.argument); return; }
    // A nested function's returns are its own.
    if (/Function/.test(node.type)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'parent') continue;
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') visit(value);
    }
  };
  fn.body.body.forEach(visit);
  return found;
}

/** The JSX a returned expression can evaluate to: both branches of `a ? <x/> : <y/>`, the right of `a && <x/>`. */
function jsxOf(node) {
  switch (node.type) {
    case 'JSXElement':
    case 'JSXFragment': return [node];
    case 'ConditionalExpression': return [...jsxOf(node.consequent), ...jsxOf(node.alternate)];
    case 'LogicalExpression': return [...jsxOf(node.left), ...jsxOf(node.right)];
    default: return [];
  }
}

const hasKey = (element) =>
  element.openingElement.attributes.some((a) => a.type === 'JSXAttribute' && a.name.name === 'key');

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Every element returned from a list callback has a key' },
    messages: {
      missing: 'A list row needs a `key` (a stable id, not the index when rows can be removed or reordered).',
      fragment: 'A list row cannot be a bare <>...</>: use <Fragment key={...}>.',
    },
    schema: [],
  },
  create(context) {
    return {
      CallExpression(call) {
        const callee = call.callee;
        if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier' || !listMethods.has(callee.property.name)) return;
        const fn = call.arguments[0];
        if (!fn || (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression')) return;
        for (const returned of returnedNodes(fn))
          for (const element of jsxOf(returned)) {
            if (element.type === 'JSXFragment') context.report({ node: element, messageId: 'fragment' });
            else if (!hasKey(element)) context.report({ node: element.openingElement, messageId: 'missing' });
          }
      },
    };
  },
};
