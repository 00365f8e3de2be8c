// Announced civil-servant holiday arrangements, as data: a province adds a year (or a new
// holiday such as 24/11 "Ngày Văn hóa Việt Nam" once it becomes law) by adding an entry, not code.
// Ranges are inclusive; weekend days inside a range are listed only because the notices list
// them, they are not working days anyway. A year listed here replaces the lunar default entirely.

import type { HolidaySchedule } from './calendar.model.js';

export const OFFICIAL_SCHEDULES: HolidaySchedule[] = [
  {
    year: 2024,
    daysOff: [
      { from: '2024-01-01', to: '2024-01-01', name: 'Tết Dương lịch' },
      { from: '2024-02-08', to: '2024-02-14', name: 'Tết Nguyên đán' },
      { from: '2024-04-18', to: '2024-04-18', name: 'Giỗ Tổ Hùng Vương' },
      // Mon 29/4 was taken off to bridge the weekend and 30/4–1/5, and worked on Sat 4/5.
      { from: '2024-04-29', to: '2024-05-01', name: 'Ngày Chiến thắng, Ngày Quốc tế Lao động' },
      { from: '2024-08-31', to: '2024-09-03', name: 'Quốc khánh' },
    ],
    workingSaturdays: ['2024-05-04'],
    source:
      'VPCP 8662/VPCP-KGVX (11/2023) for Tết and Quốc khánh; VPCP 2450/VPCP-KGVX 12/4/2024 for the 29/4 ↔ 4/5 swap; Labor Code 2019 art. 112 for 1/1 and Hùng Kings',
  },
  {
    year: 2025,
    daysOff: [
      { from: '2025-01-01', to: '2025-01-01', name: 'Tết Dương lịch' },
      { from: '2025-01-25', to: '2025-02-02', name: 'Tết Nguyên đán' },
      { from: '2025-04-07', to: '2025-04-07', name: 'Giỗ Tổ Hùng Vương' },
      // Fri 2/5 taken off, worked on Sat 26/4.
      { from: '2025-04-30', to: '2025-05-04', name: 'Ngày Chiến thắng, Ngày Quốc tế Lao động' },
      { from: '2025-08-30', to: '2025-09-02', name: 'Quốc khánh' },
    ],
    workingSaturdays: ['2025-04-26'],
    source: 'VPCP 8726/VPCP-KGVX 26/11/2024; Labor Code 2019 art. 112 for 1/1 and Hùng Kings',
  },
  {
    year: 2026,
    daysOff: [
      // Fri 2/1 taken off, worked on Sat 10/1.
      { from: '2026-01-01', to: '2026-01-04', name: 'Tết Dương lịch' },
      { from: '2026-02-14', to: '2026-02-22', name: 'Tết Nguyên đán' },
      { from: '2026-04-26', to: '2026-04-26', name: 'Giỗ Tổ Hùng Vương' },
      { from: '2026-04-27', to: '2026-04-27', name: 'Nghỉ bù Giỗ Tổ Hùng Vương' },
      { from: '2026-04-30', to: '2026-05-01', name: 'Ngày Chiến thắng, Ngày Quốc tế Lao động' },
      // Mon 31/8 taken off, worked on Sat 22/8.
      { from: '2026-08-29', to: '2026-09-02', name: 'Quốc khánh' },
    ],
    workingSaturdays: ['2026-01-10', '2026-08-22'],
    source:
      "VPCP 12729/VPCP-KGVX 25/12/2025 for Tết Dương lịch; Prime Minister's 2025 approval of the Tết and Quốc khánh 2026 plan (notice number to check); Labor Code 2019 art. 111–112 for Hùng Kings and its compensatory day",
  },
];
