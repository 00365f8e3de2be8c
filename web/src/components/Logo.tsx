/** The mark: a door (một cửa, one door) with a star. Decorative: the name beside it is the text. */
export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" width="36" height="36" aria-hidden="true" focusable="false">
      <rect x="1" y="1" width="30" height="30" rx="7" fill="#ffd54a" />
      <path
        d="M9 27V9.5a2.5 2.5 0 0 1 2.5-2.5h9A2.5 2.5 0 0 1 23 9.5V27"
        fill="none"
        stroke="#7a1212"
        strokeWidth="2.6"
        strokeLinejoin="round"
      />
      <path d="m16 11.2 1.35 2.75 3.03.44-2.19 2.13.52 3.02L16 18.12l-2.71 1.42.52-3.02-2.19-2.13 3.03-.44z" fill="#c62828" />
      <circle cx="19.6" cy="22.5" r="1.3" fill="#7a1212" />
      <path d="M6 27h20" stroke="#7a1212" strokeWidth="2.6" strokeLinecap="round" />
    </svg>
  );
}
