/**
 * Complaint intake classification (pure), the seed's urgent / normal / suggestion: a suggestion is a
 * suggestion; a complaint is urgent when it is already urgent, or when its text threatens escalation
 * outside the company (consumer association, 12315, media, lawyers, police) or speaks of safety or injury;
 * otherwise normal.
 */
export type ComplaintClass = 'urgent' | 'normal' | 'suggestion';

const URGENT_WORDS = [
  '消协',
  '消费者协会',
  '12315',
  '315',
  '工商',
  '媒体',
  '曝光',
  '律师',
  '起诉',
  '法院',
  '报警',
  '危险',
  '受伤',
  '安全隐患',
  '着火',
  '漏电',
  'lawyer',
  'lawsuit',
  'sue ',
  'court',
  'police',
  'journalist',
  'media',
  'injur',
  'danger',
  'fire',
  'unsafe',
];

export function classifyComplaint(input: {
  category: string;
  priority: string;
  text: string;
}): ComplaintClass | null {
  if (input.category === 'suggestion') return 'suggestion';
  if (input.category !== 'complaint') return null;
  if (input.priority === 'urgent') return 'urgent';
  const text = input.text.toLowerCase();
  return URGENT_WORDS.some((word) => text.includes(word)) ? 'urgent' : 'normal';
}
