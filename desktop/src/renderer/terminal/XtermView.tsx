import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef } from 'react';
import { openWithConstructedStyles } from './xterm-csp-styles.ts';
import { TERMINAL_THEMES } from './terminal-themes.ts';

/**
 * One xterm: only a view. The owner feeds it (live tab output, or recorded frames) through the
 * handle given to onReady, and hears keystrokes and size changes back. With `fit`, it fills its
 * box and follows it; without, it keeps the size the owner sets (playback: the recorded size).
 */
export interface XtermProps {
  theme: 'light' | 'dark';
  fit: boolean;
  /** Hidden panes keep their terminal (and scrollback) but are not measured. */
  visible?: boolean;
  readOnly?: boolean;
  label: string;
  onReady(terminal: Terminal): void;
  onInput?(data: string): void;
  onResize?(size: { cols: number; rows: number }): void;
}

export function XtermView(props: XtermProps) {
  const box = useRef<HTMLDivElement>(null);
  const terminalRef = useRef<Terminal>(null);
  const fitRef = useRef<FitAddon>(null);
  const handlers = useRef(props);
  handlers.current = props;

  useEffect(() => {
    const element = box.current!;
    const terminal = new Terminal({
      theme: TERMINAL_THEMES[handlers.current.theme], fontFamily: "'DejaVu Sans Mono', ui-monospace, Menlo, Consolas, monospace",
      fontSize: 13, lineHeight: 1.15, cursorBlink: !props.readOnly, disableStdin: props.readOnly ?? false, scrollback: 5000,
      allowProposedApi: false,
    });
    terminal.attachCustomKeyEventHandler((event) => clipboardKeys(terminal, event, handlers.current.onInput));
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    const stopStyles = openWithConstructedStyles(terminal, element);
    const input = terminal.onData((data) => handlers.current.onInput?.(data));
    const resized = terminal.onResize((size) => handlers.current.onResize?.(size));
    terminalRef.current = terminal;
    fitRef.current = fit;
    handlers.current.onReady(terminal);
    const observer = new ResizeObserver(() => { if (handlers.current.fit && handlers.current.visible !== false) fit.fit(); });
    observer.observe(element);
    return () => {
      observer.disconnect();
      input.dispose();
      resized.dispose();
      terminal.dispose();
      stopStyles();
    };
  }, []);

  useEffect(() => {
    if (terminalRef.current) terminalRef.current.options.theme = TERMINAL_THEMES[props.theme];
  }, [props.theme]);

  // An ended tab stays readable but shows no cursor to type at.
  useEffect(() => {
    const terminal = terminalRef.current;
    if (!terminal || !props.readOnly) return;
    terminal.options.cursorBlink = false;
    terminal.write('\u001b[?25l');
  }, [props.readOnly]);

  useEffect(() => {
    if (props.visible === false) return;
    if (props.fit) fitRef.current?.fit();
    if (!props.readOnly) terminalRef.current?.focus();
  }, [props.visible, props.fit, props.readOnly]);

  return <div className={`xterm-box${props.fit ? ' xterm-fit' : ''}`} ref={box} role="group" aria-label={props.label} />;
}

/** Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes (Ctrl+C stays the interrupt key). */
function clipboardKeys(terminal: Terminal, event: KeyboardEvent, onInput: ((data: string) => void) | undefined): boolean {
  if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) return true;
  const key = event.key.toLowerCase();
  // preventDefault: the browser would otherwise paste a second time (Ctrl+Shift+V is its own
  // plain-text paste) or open its inspector (Ctrl+Shift+C).
  if (key === 'c' && terminal.hasSelection()) {
    event.preventDefault();
    void navigator.clipboard.writeText(terminal.getSelection());
    return false;
  }
  if (key === 'v' && onInput) {
    event.preventDefault();
    void navigator.clipboard.readText().then((text) => { if (text) terminal.paste(text); });
    return false;
  }
  return true;
}
