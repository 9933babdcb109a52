// The page cursor is a contract the API shares with the reader's pages: it lives in @newsline/domain.
export { decodeCursor, encodeCursor, type CursorKey } from '@newsline/domain';
