import type { ReactNode } from 'react';

/**
 * A labelled table with column headers; `actions` adds a last column whose
 * header only screen readers hear. The rows are the children.
 */
export function Table({ label, columns, actions, children, className }: { label: string; columns: ReactNode[]; actions?: boolean; children: ReactNode; className?: string }) {
  return (
    <div className={`table-wrap ${className ?? ''}`}>
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col">
                {c}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
