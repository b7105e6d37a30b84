import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { isBaasError } from '@baas/sdk';
import { AdminProvider, endsSession, UNAUTHORIZED_EVENT } from './lib/admin.tsx';
import { router } from './routes.tsx';
import './styles.css';

const signOutOn401 = (error: unknown) => {
  if (endsSession(error)) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
};

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: signOutOn401 }),
  mutationCache: new MutationCache({ onError: signOutOn401 }),
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; a network error or a 5xx may.
      retry: (count, error) => count < 2 && (!isBaasError(error) || error.status === 0 || error.status >= 500),
      refetchOnWindowFocus: false,
      staleTime: 5_000,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <AdminProvider>
        <RouterProvider router={router} />
      </AdminProvider>
    </QueryClientProvider>
  </StrictMode>,
);
