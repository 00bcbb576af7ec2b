// Small inline icons drawn with the text's colour: no emoji (a machine without an emoji font,
// such as a server's headless browser, shows those as empty boxes) and nothing to download.

export function LockIcon() {
  return (
    <svg class="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M8 1a3.5 3.5 0 0 0-3.5 3.5V7H4a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1h-.5V4.5A3.5 3.5 0 0 0 8 1Zm-2 6V4.5a2 2 0 1 1 4 0V7H6Z" />
    </svg>
  );
}

export function BellIcon() {
  return (
    <svg class="icon" viewBox="0 0 16 16" width="18" height="18" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M8 1.5a1 1 0 0 0-1 1v.6A4.5 4.5 0 0 0 3.5 7.5v3L2 12.2v.8h12v-.8l-1.5-1.7v-3A4.5 4.5 0 0 0 9 3.1v-.6a1 1 0 0 0-1-1ZM6.3 14a1.8 1.8 0 0 0 3.4 0H6.3Z" />
    </svg>
  );
}

export function PaperclipIcon() {
  return (
    <svg class="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" d="M10.5 4.5 5.6 9.4a1.3 1.3 0 0 0 1.8 1.8l5-5a2.6 2.6 0 0 0-3.7-3.7l-5 5a3.9 3.9 0 0 0 5.5 5.5l4.3-4.3" />
    </svg>
  );
}

export function FileIcon() {
  return (
    <svg class="icon" viewBox="0 0 16 16" width="18" height="18" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M4 1.5A1.5 1.5 0 0 0 2.5 3v10A1.5 1.5 0 0 0 4 14.5h8a1.5 1.5 0 0 0 1.5-1.5V5.6L9.4 1.5H4ZM4 3h4.5v3.5H12V13H4V3Zm6 .6L11.4 5H10V3.6Z" />
    </svg>
  );
}
