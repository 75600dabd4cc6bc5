import type { ITheme } from '@xterm/xterm';

/** Terminal colours that sit with the app's light and dark themes (same background as the cards). */
export const TERMINAL_THEMES: Record<'light' | 'dark', ITheme> = {
  light: {
    background: '#ffffff', foreground: '#1b1f27', cursor: '#3b5bdb', cursorAccent: '#ffffff', selectionBackground: '#c9d4ff',
    black: '#1b1f27', red: '#c92a2a', green: '#2b8a3e', yellow: '#8a5a00', blue: '#3b5bdb', magenta: '#862e9c', cyan: '#0b7285', white: '#adb5bd',
    brightBlack: '#5f6b7a', brightRed: '#e03131', brightGreen: '#37b24d', brightYellow: '#e67700', brightBlue: '#4c6ef5', brightMagenta: '#ae3ec9', brightCyan: '#1098ad', brightWhite: '#495057',
  },
  dark: {
    background: '#0b0d11', foreground: '#e6e9ef', cursor: '#6f8cff', cursorAccent: '#0b0d11', selectionBackground: '#2f3b66',
    black: '#1e222b', red: '#ff6b6b', green: '#69db7c', yellow: '#ffd43b', blue: '#74a0ff', magenta: '#da77f2', cyan: '#66d9e8', white: '#e6e9ef',
    brightBlack: '#5f6b7a', brightRed: '#ff8787', brightGreen: '#8ce99a', brightYellow: '#ffe066', brightBlue: '#91b4ff', brightMagenta: '#e599f7', brightCyan: '#99e9f2', brightWhite: '#ffffff',
  },
};
