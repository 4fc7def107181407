import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { ApiError } from './lib/api-client';
import { createAppRouter } from './shell/routes';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: false,
      // Missing or forbidden things do not come back by asking again; a dropped network does.
      retry: (count, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
    },
  },
});

const container = document.getElementById('root');
if (!container) throw new Error('missing #root');
// No StrictMode: its double effects would open and close the live socket twice on every mount.
createRoot(container).render(
  <QueryClientProvider client={queryClient}>
    <RouterProvider router={createAppRouter()} />
  </QueryClientProvider>,
);
