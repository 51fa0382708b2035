import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './console.css';

export const metadata: Metadata = {
  title: 'Airlock console',
  description: 'Approve or deny what AI agents ask to do.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
