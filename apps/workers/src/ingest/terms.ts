// Search terms for the article `terms` index; the tokenizer lives in @newsline/search.
export { termsFor } from '@newsline/search';
