import type { SearchValues } from '../components/SearchForm';

/** /thu-tuc?q=…&level=…&field=… */
export function searchPath(v: SearchValues & { field?: string }): string {
  const p = new URLSearchParams();
  if (v.q) p.set('q', v.q);
  if (v.level) p.set('level', v.level);
  if (v.field) p.set('field', v.field);
  const s = p.toString();
  return s ? `/thu-tuc?${s}` : '/thu-tuc';
}
