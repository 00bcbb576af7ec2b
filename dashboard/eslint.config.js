// ESLint (flat config): typescript-eslint's recommended rules, the rules of hooks (they read
// preact/hooks by name), and a local rule for keys on list rows. `npm run lint` fails on any
// finding, warnings included; scripts/dashboard.sh runs it before every build.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import listRowKey from './eslint/listRowKey.js';

export default tseslint.config(
  { ignores: ['dist/', 'src/api/schema.d.ts'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks, zapnoty: { rules: { 'list-row-key': listRowKey } } },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      // useLoad and usePaged take a dependency list like useEffect's, so their callers are checked the same way.
      'react-hooks/exhaustive-deps': ['error', { additionalHooks: '^(useLoad|usePaged)$' }],
      'zapnoty/list-row-key': 'error',
    },
  },
  {
    files: ['eslint/**/*.js', 'scripts/**/*.mjs', '*.js'],
    languageOptions: { globals: { console: 'readonly', URL: 'readonly' } },
  },
);
