// ESLint (flat config) for the browser code: the loader's source and the scripts the frame and admin load.
import js from '@eslint/js';
import globals from 'globals';

export default [
  {
    files: ['js/embed.js', 'static/rtr/frame.js', 'static/rtr/admin/admin.js', 'static/rtr/admin/editor.js'],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2022, sourceType: 'script', globals: globals.browser },
    rules: {
      ...js.configs.recommended.rules,
      'no-implicit-globals': 'error',
      'no-var': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Every byte of the loader counts: loose equality between strings is as safe and shorter.
    files: ['js/embed.js'],
    rules: { eqeqeq: 'off' },
  },
  {
    files: ['js/build.mjs', 'eslint.config.js'],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node },
  },
  { ignores: ['static/rtr/embed.js', 'node_modules/', '.venv/'] },
];
