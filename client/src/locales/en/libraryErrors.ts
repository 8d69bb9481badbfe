// The library's server error codes, merged into `errors` by index.ts (kept out of common.ts, which the sign-in page loads).
export default {
  library_open_access: "This book is open access: read or download it without borrowing",
  library_already_borrowed: "You have already borrowed this book",
  library_loan_limit: "You may borrow {max} books at a time: return one first",
  library_no_copy_available: "Every copy of this book is on loan: place a hold to join the queue",
  library_no_rule: "No loan rule covers this book for your patron category: ask a librarian",
  library_loan_not_active: "This loan has already ended",
  library_hold_waiting: "Someone is waiting for this book, so it cannot be renewed",
  library_renewal_limit: "A loan may be renewed {max} times",
  library_already_on_hold: "You are already in the queue for this book",
  library_hold_limit: "You may have {max} holds at a time",
  library_copy_available: "A copy of this book is free: borrow it now",
  library_hold_not_active: "This hold has already ended",
  library_loan_required: "Borrow this book to read it; once the loan ends or is returned it no longer opens",
  library_download_open_only: "Only open-access books can be downloaded",
  library_bookmark_limit: "You may keep {max} bookmarks in a book",
};
