/**
 * How the app writes dates and times, in the person's locale: one way everywhere ("Dec 7, 2026, 9:15 AM"), a day
 * alone where the time does not matter ("Dec 7, 2026"), and a time alone for what happens today ("9:15 AM").
 */
export const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
export const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
