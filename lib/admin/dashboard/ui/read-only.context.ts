import { createContext } from 'preact';

/**
 * Whether the console runs with `readOnly` (the API's `GET queues` says so): its action buttons are
 * then not shown, as the server would answer each with 403.
 */
export const ReadOnly = createContext(false);
