export { createBudget } from './create-budget.js';
export { changeBudget, ChangeBudgetInput, ChangeBudgetChanges } from './change-budget.js';
export { deleteBudget, DeleteBudgetInput } from './delete-budget.js';
