/** A cell of the dashboard's tables; numbers are right-aligned by the `num` class. */
export function cell(text: string, numeric = false): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (numeric) td.className = 'num';
  return td;
}
